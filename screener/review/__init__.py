"""Review of screening results: the decisions store (SQLite) and decisions applied to findings.

::

    from screener.review import ReviewStore, apply_decisions, decision_for, missed_risk
    store = ReviewStore()                        # $SCREENER_DATA_DIR/reviews.sqlite3
    store.add(decision_for(finding, "confirm", reviewer="Lan", doc_hash=h, parsed=parsed))
    items = apply_decisions(findings, store.decisions(h), parsed)
"""

from screener.review.decisions import (ACTION_VI, CONFIRMED, DISMISSED, OPEN, STATUS_VI, STATUSES, Note,
                                       ReviewedFinding, apply_decisions, corpus_decisions, counts_by_status,
                                       decision_for,
                                       document_hash, effective_finding, missed_risk)
from screener.review.store import (DB_NAME, MIGRATIONS, SCHEMA_VERSION, Decision, ReviewStore, connect,
                                   data_dir, migrate, schema_version)

__all__ = ["ACTION_VI", "CONFIRMED", "DB_NAME", "DISMISSED", "Decision", "MIGRATIONS", "Note", "OPEN",
           "ReviewStore", "ReviewedFinding", "SCHEMA_VERSION", "STATUSES", "STATUS_VI", "apply_decisions",
           "connect", "corpus_decisions", "counts_by_status", "data_dir", "decision_for", "document_hash", "effective_finding",
           "migrate", "missed_risk", "schema_version"]
