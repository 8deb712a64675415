"""The HTTP API: one application factory, a blueprint per resource.

`app` builds the application; `auth` checks bearer tokens; `errors` gives every
refusal its one shape; `bounds` parses request bodies within the limits; `answers`
holds the response schemas two blueprints share; each of `ops`, `events`, `areas`,
`gatekeeper`, `work` and `citizens` is one blueprint with its request and response
schemas.
"""

from riskgate.entrypoints.http.app import BLUEPRINTS, create_app

__all__ = ["BLUEPRINTS", "create_app"]
