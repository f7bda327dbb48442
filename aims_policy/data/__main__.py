"""``python -m aims_policy.data``: regenerate ``_defaults.py`` after changing ``defaults.yaml``."""

import os

from aims_policy.data import generated_source

target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_defaults.py")
with open(target, "w", encoding="utf-8") as out:
    out.write(generated_source())
print(f"wrote {target}")
