from django.contrib.auth import views as auth_views
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit


@method_decorator(ratelimit(key="ip", rate="20/m", method="POST", block=False), name="post")
@method_decorator(ratelimit(key="post:username", rate="10/m", method="POST", block=False), name="post")
class LoginView(auth_views.LoginView):
    """Django's login, with a brake on password guessing: over the limit the form says so and does not log in."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        if getattr(self.request, "limited", False):
            form.add_error(None, _("Too many login attempts. Wait a minute and try again."))
            return self.form_invalid(form)
        return super().form_valid(form)
