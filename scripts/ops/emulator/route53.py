"""Route 53 additions: a new hosted zone's id starts with "Z", as AWS's do.

moto 5.2.5 draws a new zone's id from 22 random capitals and digits, so most ids do not start with the
"Z" every AWS hosted zone id starts with (Z1D633PJN98FT9, Z08354862BSWXR2VRBT9V). An environment's
``hosted_zone_id`` is checked against AWS's form (modules/settings/app.py), so a zone the local AWS made
could not be named in an environment file. Drawn here as "Z" and 20 capitals and digits; moto's custom
ids (its ``_custom_id_`` mechanism) are still honoured."""

from __future__ import annotations

import random
import string

from moto.route53 import models
from moto.utilities.id_generator import ExistingIds, ResourceIdentifier, Tags, moto_id

from scripts.ops.emulator.patching import replace

ID_CHARACTERS = string.ascii_uppercase + string.digits
ID_LENGTH = 21


@moto_id
def zone_id(resource_identifier: ResourceIdentifier, existing_ids: ExistingIds = None, tags: Tags = None) -> str:
    return "Z" + "".join(random.choice(ID_CHARACTERS) for _ in range(ID_LENGTH - 1))  # noqa: S311  (an id, no secret)


def install() -> None:
    replace(models, "create_route53_zone_id", zone_id)
