"""The store's operations in one import, as callers have long found them. Each lives in the module
of its aggregate: contacts.py (imports, events), crm.py (CRM pages merged in, changes sent back),
journeys.py and versions.py (drafts, published versions), settings.py, stepping.py (the scheduler's
load and save). What the engine runs against (published journeys, rules) is built in runtime/engine_inputs.py."""
from switchback.runtime.store.bulk import CHUNK, chunks  # noqa: F401
from switchback.runtime.store.contacts import ImportResult, contact_id, import_contacts, record_events  # noqa: F401
from switchback.runtime.store.crm import CrmMerge, crm_ids, crm_values, journey_changes, merge_crm_contacts  # noqa: F401
from switchback.runtime.store.journeys import generation, publish  # noqa: F401
from switchback.runtime.store.settings import get_setting, get_settings, set_setting  # noqa: F401
from switchback.runtime.store.stepping import Loaded, load, save  # noqa: F401
from switchback.runtime.store.versions import StaleDraft, save_draft  # noqa: F401
