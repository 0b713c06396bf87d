"""The contract room's dialogs, one module each. Every dialog is a
`ModalScreen[Result | None]`: it validates what it can, then dismisses with its result
(escape: None). None of them writes to the database: the room runs the `rules/` call
and, when rules/ refuses, opens the dialog again as it was with the refusal inline."""
