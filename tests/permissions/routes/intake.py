"""intake: the inbox of drafts and mail (customer service), the dealer import (customer service: each agent their own
imports, the supervisor everyone's), the integrations (the administrator). For everybody else these pages are not
there (404). The integration API takes an integration's token, never a person's credentials (401)."""

from django.core.files.base import ContentFile

from accounts.roles import Role
from feedback.models import Channel, Status
from intake.integrations import integration_create
from intake.models import ImportBatch, MailMessage
from tests.factories import FeedbackFactory

from ..rules import CUSTOMER_SERVICE, api, logged_in, only, route
from ..world import OTHER, OWN

ADMIN = {Role.ADMINISTRATOR}
ONE = ("-",)


def _records(world) -> dict:
    """The intake records of the matrix, made in the test that first asks (each test's changes are rolled back)."""
    made = world.others.get("intake")
    if made and ImportBatch.objects.filter(pk=made["batch_own"].pk).exists():
        return made
    admin = world.users[Role.ADMINISTRATOR]
    integration, _token = integration_create(actor=admin, name="矩阵测试平台", channel=Channel.ONLINE_CHAT)
    # a draft waiting for each identity (the first agent to take one makes it theirs: it waits no more)
    drafts = {
        who: FeedbackFactory(
            status=Status.DRAFT, registered_by=integration.service_user, customer_name="平台草稿"
        )
        for who in world.users
    }
    mail = MailMessage.objects.create(
        message_id="<matrix@example.com>",
        sender="customer@example.com",
        subject="矩阵测试邮件",
        state=MailMessage.State.ATTENTION,
        problem="matrix",
    )
    mail.raw.save("matrix.eml", ContentFile(b"Subject: matrix\r\n\r\nhello\r\n"))

    def batch(user) -> ImportBatch:
        return ImportBatch.objects.create(
            created_by=user,
            file=ContentFile(b"xlsx", name="matrix.xlsx"),
            original_name="matrix.xlsx",
            size=4,
            sha256=f"matrix-{user.pk}",
            state=ImportBatch.State.CHECKING,
        )

    made = {
        "integration": integration,
        "token": integration.tokens.get(),
        "drafts": drafts,
        "mail": mail,
        "batch_own": batch(world.users[Role.CS_AGENT]),
        "batch_other": batch(world.others["agent2"]),
    }
    world.others["intake"] = made
    return made


def _draft(world, who, scenario):
    drafts = _records(world)["drafts"]
    return {"number": drafts.get(who, drafts[Role.CS_AGENT]).number}


def _batch(world, who, scenario):
    return {"pk": _records(world)["batch_own" if scenario == OWN else "batch_other"].pk}


def _sees_batch(ok):
    """The agent sees the imports they uploaded, the supervisor everyone's; nobody else any."""
    return logged_in(
        lambda who, s: ok if who == Role.CS_SUPERVISOR or (who == Role.CS_AGENT and s == OWN) else 404
    )


route("intake:inbox", get=only(CUSTOMER_SERVICE, 200, 404), post=logged_in(405))
route(
    "intake:draft_take",
    get=logged_in(405),
    post=only(CUSTOMER_SERVICE, 302, 404),
    obj=lambda world, who, s: {
        "number": _records(world)["drafts"].get(who, next(iter(_records(world)["drafts"].values()))).number
    },
    scenarios=ONE,
)
route(
    "intake:mail_raw",
    get=only(CUSTOMER_SERVICE, 200, 404),
    post=logged_in(405),
    obj=lambda world, who, s: {"pk": _records(world)["mail"].pk},
    scenarios=ONE,
)
route(
    "intake:mail_handled",
    get=logged_in(405),
    post=only(CUSTOMER_SERVICE, 302, 404),  # an empty note: refused with a message on the inbox
    obj=lambda world, who, s: {"pk": _records(world)["mail"].pk},
    scenarios=ONE,
)
route("intake:import_home", get=only(CUSTOMER_SERVICE, 200, 404), post=only(CUSTOMER_SERVICE, 400, 404))
route("intake:import_template", get=only(CUSTOMER_SERVICE, 200, 404), post=logged_in(405))
route("intake:import_batch", get=_sees_batch(200), post=logged_in(405), obj=_batch, scenarios=(OWN, OTHER))
# starting an import still being checked, or cancelling it: refused or done, with a message on the batch page
route("intake:import_start", get=logged_in(405), post=_sees_batch(302), obj=_batch, scenarios=(OWN, OTHER))
route("intake:import_cancel", get=logged_in(405), post=_sees_batch(302), obj=_batch, scenarios=(OWN, OTHER))

route("intake:integration_list", get=only(ADMIN, 200, 404), post=logged_in(405))
route("intake:integration_create", get=only(ADMIN, 200, 404), post=only(ADMIN, 400, 404))
_integration = lambda world, who, s: {"pk": _records(world)["integration"].pk}  # noqa: E731
route(
    "intake:integration_detail",
    get=only(ADMIN, 200, 404),
    post=only(ADMIN, 400, 404),
    obj=_integration,
    scenarios=ONE,
)
route("intake:token_issue", get=logged_in(405), post=only(ADMIN, 302, 404), obj=_integration, scenarios=ONE)
route(
    "intake:token_revoke",
    get=logged_in(405),
    post=only(ADMIN, 302, 404),
    obj=lambda world, who, s: {
        "pk": _records(world)["integration"].pk,
        "token_id": _records(world)["token"].pk,
    },
    scenarios=ONE,
)


def _token_only(who: str, scenario: str):
    return 401  # a person's Basic credentials (or none) are not an integration's token


api("/api/intake/feedback/", "get", _token_only)
api("/api/intake/feedback/", "post", _token_only)
api("/api/intake/feedback/{number}/", "get", _token_only, obj="feedback")
