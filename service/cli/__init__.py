"""The operator's command line, `python -m service ...` (commands.py): keys, migrations,
import (import_events.py), rebuild, export, the demo (demo.py, demo_data.py) and the
case systems' pseudonymisation helper (client.py, also importable as service.client)."""
