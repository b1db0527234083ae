"""The answers a checklist item can take (shared by the definition, the automatic rules and the pages)."""

YES, NO, NOT_STATED, NOT_APPLICABLE, NOT_ASSESSED = "yes", "no", "not stated", "not applicable", "not assessed"
