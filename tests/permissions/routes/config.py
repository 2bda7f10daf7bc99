"""config: the API's schema and documentation page (not anonymous), the language switch, the JavaScript catalogue."""

from ..rules import logged_in, route

route("api-schema", get=logged_in(200, anonymous=401), post=logged_in(405, anonymous=401))
route("api-docs", get=logged_in(200), post=logged_in(405))
route("set_language", get=302, post=302)  # back to where one came from, for anyone
route("javascript-catalog", get=200, post=405)
