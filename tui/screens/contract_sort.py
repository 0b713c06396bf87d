"""How the contract list starts and names each sort (the `s` key), in words."""
from __future__ import annotations

# Which way each sort starts when `s` reaches it (True: descending): the most money and
# the soonest deadline first; text from A.
STARTS_DESCENDING = {"escrow": True, "paid": True}
# What the info line says of each sort, ascending and descending: in words, so that the
# direction does not depend on seeing the arrow.
SORT_WORDS = {
    "id": ("by number", "by number, last first"),
    "title": ("by title, A to Z", "by title, Z to A"),
    "counterpart": ("by party, A to Z", "by party, Z to A"),
    "policy": ("by policy, A to Z", "by policy, Z to A"),
    "status": ("by status, A to Z", "by status, Z to A"),
    "current": ("by milestone, A to Z", "by milestone, Z to A"),
    "escrow": ("by escrow, least first", "by escrow, most first"),
    "paid": ("by paid, least first", "by paid, most first"),
    "deadline": ("by deadline, soonest first", "by deadline, latest first"),
}
