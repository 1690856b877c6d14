/*
 * sqlite_schema.c: the SQLite registry's tables, migration by migration
 * (sqlite.c's list; pg_schema.c holds the same tables for PostgreSQL).
 * Append-only tables refuse UPDATE and DELETE in the schema itself.
 * Never edit a shipped migration.
 */
#include "sqlite_int.h"

const char jpki_sqlite_counter_schema[] =
    "CREATE TABLE counter_case ("
    " id INTEGER PRIMARY KEY,"
    " procedure INTEGER NOT NULL CHECK (procedure BETWEEN 0 AND 31),"
    " state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 31),"
    " resident_id INTEGER NOT NULL," /* as asked for: a refusal may name no resident */
    " counter TEXT NOT NULL, operator TEXT NOT NULL,"
    " opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX counter_case_by_resident ON counter_case (resident_id);"
    "CREATE TABLE audit_entry ("
    " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
    " operator TEXT NOT NULL, counter TEXT NOT NULL,"
    " case_id INTEGER NOT NULL, resident_id INTEGER NOT NULL,"
    " action TEXT NOT NULL, decision TEXT NOT NULL, rule TEXT NOT NULL,"
    " documents TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX audit_by_resident ON audit_entry (resident_id);"
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE receipt ("
    " number INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES counter_case (id),"
    " resident_id INTEGER NOT NULL, amount INTEGER NOT NULL CHECK (amount >= 0),"
    " fee_case TEXT NOT NULL, issued_at INTEGER NOT NULL,"
    " voided_at INTEGER, voided_by TEXT, approved_by TEXT);"
    "CREATE TABLE counter_token ("
    " ref TEXT PRIMARY KEY, purpose INTEGER NOT NULL CHECK (purpose BETWEEN 1 AND 3),"
    " case_id INTEGER NOT NULL, resident_id INTEGER NOT NULL,"
    " cert_serial TEXT NOT NULL, kinds INTEGER NOT NULL CHECK (kinds BETWEEN 0 AND 3),"
    " issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " used_at INTEGER, used_case INTEGER);"
    "CREATE INDEX certificate_valid_by_expiry ON certificate (not_after) WHERE status = 0;"
    "CREATE TABLE service_counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE renewal_notice ("
    " cert_serial TEXT PRIMARY KEY, month TEXT NOT NULL, resident_id INTEGER NOT NULL,"
    " form_ref TEXT NOT NULL, sent_at INTEGER NOT NULL);";

/*
 * Schema 6: the audit log's Merkle tree (audit/log.h): the hash of every
 * complete subtree, leaves at level 0, written in the transaction of the
 * entry that completes it, append-only as the log itself.
 */
const char jpki_sqlite_audit_tree_schema[] =
    "CREATE TABLE audit_node ("
    " level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 62), idx INTEGER NOT NULL CHECK (idx >= 0),"
    " hash BLOB NOT NULL CHECK (length(hash) = 32), PRIMARY KEY (level, idx)) WITHOUT ROWID;"
    "CREATE TRIGGER audit_node_no_update BEFORE UPDATE ON audit_node"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_node_no_delete BEFORE DELETE ON audit_node"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

const char jpki_sqlite_link_schema[] =
    "CREATE TABLE relying_party ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " key_hash BLOB NOT NULL CHECK (length(key_hash) = 32),"
    " may_link_signature INTEGER NOT NULL CHECK (may_link_signature IN (0, 1)),"
    " created_at INTEGER NOT NULL, disabled_at INTEGER);"
    "CREATE TABLE link_access ("
    " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, rp_id TEXT NOT NULL,"
    " action TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE TRIGGER link_access_no_update BEFORE UPDATE ON link_access"
    " BEGIN SELECT RAISE(ABORT, 'the link access log is append-only'); END;"
    "CREATE TRIGGER link_access_no_delete BEFORE DELETE ON link_access"
    " BEGIN SELECT RAISE(ABORT, 'the link access log is append-only'); END;";

const char jpki_sqlite_operator_schema[] =
    "CREATE TABLE operator ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " role INTEGER NOT NULL CHECK (role BETWEEN 0 AND 3),"
    " password_hash TEXT NOT NULL,"
    " failures INTEGER NOT NULL CHECK (failures >= 0), locked_until INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    " disabled_at INTEGER NOT NULL, last_login_at INTEGER NOT NULL);"
    "CREATE TRIGGER operator_no_delete BEFORE DELETE ON operator"
    " BEGIN SELECT RAISE(ABORT, 'operators are disabled, never deleted'); END;";

/* ---- four-eyes requests (schema 8) ---- */
const char jpki_sqlite_approval_schema[] =
    "CREATE TABLE approval_request ("
    " id INTEGER PRIMARY KEY, kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),"
    " requester TEXT NOT NULL, what TEXT NOT NULL,"
    " version INTEGER NOT NULL CHECK (version >= 1),"
    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3));"
    "CREATE TABLE approval ("
    " request_id INTEGER NOT NULL REFERENCES approval_request (id),"
    " version INTEGER NOT NULL, approver TEXT NOT NULL, at INTEGER NOT NULL,"
    " PRIMARY KEY (request_id, version, approver));"
    "CREATE TRIGGER approval_no_update BEFORE UPDATE ON approval"
    " BEGIN SELECT RAISE(ABORT, 'approvals are never changed'); END;"
    "CREATE TRIGGER approval_no_delete BEFORE DELETE ON approval"
    " BEGIN SELECT RAISE(ABORT, 'approvals are never deleted'); END;";

const char jpki_sqlite_credential_schema[] =
    "CREATE TABLE operator_credential ("
    " id INTEGER PRIMARY KEY,"
    " operator_id TEXT NOT NULL REFERENCES operator (id),"
    " credential_id BLOB NOT NULL UNIQUE"
    "  CHECK (length(credential_id) BETWEEN 1 AND 1023),"
    " public_key BLOB NOT NULL, alg INTEGER NOT NULL CHECK (alg IN (-7, -8)),"
    " sign_count INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),"
    " aaguid BLOB NOT NULL CHECK (length(aaguid) = 16),"
    " label TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " last_used_at INTEGER NOT NULL, disabled_at INTEGER NOT NULL);"
    "CREATE INDEX operator_credential_by_operator ON operator_credential (operator_id);"
    "CREATE TRIGGER operator_credential_no_delete BEFORE DELETE ON operator_credential"
    " BEGIN SELECT RAISE(ABORT, 'security keys are disabled, never deleted'); END;";
