"""Every write to Sabilulungan, one module per aggregate; import them from here.

Each proposal step goes through proposal_transition (transitions.py); amendments of a
recipient's data after an award go through recipients.py.
"""

from .actors import (  # noqa: F401
    Actor,
    actor_for,
    actor_in,
    program_manager_check,
)
from .content import announcement_save, regulation_save  # noqa: F401
from .documents import (  # noqa: F401
    UPLOAD_RULES,
    budget_lines_correct,
    document_upload,
)
from .drafts import applicant_kind_check, proposal_save_draft  # noqa: F401
from .duties import (  # noqa: F401
    amount_setters,
    approvers,
    duty_conflict,
    duty_conflicts,
)
from .place_fixes import can_fix_places, place_fix  # noqa: F401
from .programs import (  # noqa: F401
    PROGRAM_FLOW,
    SABILULUNGAN_STAGES,
    committed_amount,
    program_create,
    program_set_stages,
    program_set_status,
    program_update,
)
from .recipients import (  # noqa: F401
    amendment_decision_refusal,
    applicant_save,
    pending_bank_change,
    recipient_amendment_decide,
)
from .reports import (  # noqa: F401
    ANSWER_MAX_LENGTH,
    RATE_LIMITED,
    REPORT_ANSWER_DAYS,
    REPORT_LOCK,
    REPORT_MAX_LENGTH,
    REPORTS_PER_HOUR,
    REPORTS_PER_PROPOSAL_PER_DAY,
    citizen_report_answer,
    citizen_report_submit,
    client_fingerprint,
    normalise_tracking_code,
)
from .transitions import (  # noqa: F401
    allowed_actions,
    amount_ceiling,
    proposal_transition,
)
