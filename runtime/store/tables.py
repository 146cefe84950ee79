"""Every table a workspace holds: the core ones in models.py and those each area keeps in its own
module. Migrations and the workspace import this, so Base.metadata is whole wherever it is compared."""
from switchback.runtime.store import crm_models, intake_models, models, provider_models, results_models  # noqa: F401

Base = models.Base
