from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict

from . import brakes


class LoginView(auth_views.LoginView):
    """Django's login, with the brakes of accounts.brakes: an address past its failure budget, or a locked
    account, is refused with the reason on the form (the password is not even checked)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        refusal = None
        if brakes.address_blocked(request):
            refusal, status = brakes.ADDRESS_MESSAGE, 429
        elif brakes.account_locked(request, username):
            refusal, status = brakes.LOCKED_MESSAGE, 403
        if refusal is None:
            return super().post(request, *args, **kwargs)
        # an unbound form keeps what was typed (the username) and never checks the password
        form = self.get_form_class()(request, initial={"username": username})
        form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([str(refusal)])})
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def form_invalid(self, form):
        brakes.note_failure(self.request)
        if brakes.account_locked(self.request, self.request.POST.get("username", "")):
            form.errors.clear()
            form.add_error(None, str(brakes.LOCKED_MESSAGE))
            return self.render_to_response(self.get_context_data(form=form), status=403)
        return super().form_invalid(form)
