/*
 * pg_schema.c: the PostgreSQL registry's tables, migration by migration:
 * the same tables, columns, keys, checks and indexes as SQLite's
 * (sqlite_schema.c, sqlite.c's list), written in PostgreSQL's types (BIGINT
 * for SQLite's INTEGER, BYTEA for BLOB).  Append-only tables refuse
 * UPDATE, DELETE and TRUNCATE with a trigger.  Never edit a shipped
 * migration.
 */
#include "pg_int.h"

/* Row and statement triggers that refuse changes, with the reason said. */
#define REFUSE(table, what, why)                                                                   \
	"CREATE TRIGGER " table "_no_" what " BEFORE " what " ON " table                           \
	" FOR EACH ROW EXECUTE FUNCTION jpki_refuse('" why "');"
#define REFUSE_TRUNCATE(table, why)                                                                \
	"CREATE TRIGGER " table "_no_truncate BEFORE TRUNCATE ON " table                           \
	" FOR EACH STATEMENT EXECUTE FUNCTION jpki_refuse('" why "');"
#define APPEND_ONLY(table, why)                                                                    \
	REFUSE(table, "update", why) REFUSE(table, "delete", why) REFUSE_TRUNCATE(table, why)

const char *const jpki_pg_migrations[JPKI_SCHEMA_VERSION] = {
    /* 1: residents, certificates, the CAs' counters */
    "CREATE FUNCTION jpki_refuse() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;"
    "CREATE TABLE resident ("
    " id BIGINT PRIMARY KEY,"
    " family_name TEXT NOT NULL, given_name TEXT NOT NULL, name_subst TEXT NOT NULL,"
    " address TEXT NOT NULL, address_subst TEXT NOT NULL,"
    " birth_date TEXT NOT NULL, sex BIGINT NOT NULL CHECK (sex IN (1, 2, 3)),"
    " former_surname TEXT NOT NULL, alias TEXT NOT NULL,"
    " adult_ward BIGINT NOT NULL CHECK (adult_ward IN (0, 1)),"
    " status BIGINT NOT NULL CHECK (status IN (0, 1, 2)),"
    " residence_end TEXT,"
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
    "CREATE TABLE certificate ("
    " id BIGINT PRIMARY KEY,"
    " serial TEXT NOT NULL UNIQUE,"
    " kind BIGINT NOT NULL CHECK (kind IN (0, 1)),"
    " resident_id BIGINT NOT NULL REFERENCES resident (id),"
    " not_before BIGINT NOT NULL, not_after BIGINT NOT NULL, issued_at BIGINT NOT NULL,"
    " status BIGINT NOT NULL CHECK (status IN (0, 1)),"
    " revoked_at BIGINT, reason BIGINT,"
    " subject_cn TEXT NOT NULL, renewal BIGINT NOT NULL,"
    " der BYTEA NOT NULL, crl_partition BIGINT NOT NULL);"
    "CREATE INDEX certificate_by_resident ON certificate (resident_id, kind);"
    "CREATE INDEX certificate_revoked ON certificate"
    " (kind, crl_partition, revoked_at, serial, reason, not_after, status) WHERE status = 1;"
    "CREATE TABLE ca_counter ("
    " kind BIGINT PRIMARY KEY, crl_number BIGINT NOT NULL,"
    " revocation_version BIGINT NOT NULL);"
    "INSERT INTO ca_counter (kind, crl_number, revocation_version) VALUES (0, 0, 0);"
    "INSERT INTO ca_counter (kind, crl_number, revocation_version) VALUES (1, 0, 0);",
    /* 2: what the registry knows of itself (binding.h) */
    "CREATE TABLE registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    /* 3: the counter's cases, audit log, receipts, forms and notices */
    "CREATE TABLE counter_case ("
    " id BIGINT PRIMARY KEY,"
    " procedure BIGINT NOT NULL CHECK (procedure BETWEEN 0 AND 31),"
    " state BIGINT NOT NULL CHECK (state BETWEEN 0 AND 31),"
    " resident_id BIGINT NOT NULL,"
    " counter TEXT NOT NULL, operator TEXT NOT NULL,"
    " opened_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX counter_case_by_resident ON counter_case (resident_id);"
    "CREATE TABLE audit_entry ("
    " seq BIGINT PRIMARY KEY, at BIGINT NOT NULL,"
    " operator TEXT NOT NULL, counter TEXT NOT NULL,"
    " case_id BIGINT NOT NULL, resident_id BIGINT NOT NULL,"
    " action TEXT NOT NULL, decision TEXT NOT NULL, rule TEXT NOT NULL,"
    " documents TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX audit_by_resident ON audit_entry (resident_id);" APPEND_ONLY(
        "audit_entry",
        "the audit log is append-only") "CREATE TABLE receipt ("
                                        " number BIGINT PRIMARY KEY,"
                                        " case_id BIGINT NOT NULL REFERENCES "
                                        "counter_case (id),"
                                        " resident_id BIGINT NOT NULL, amount "
                                        "BIGINT NOT NULL CHECK (amount >= 0),"
                                        " fee_case TEXT NOT NULL, issued_at "
                                        "BIGINT NOT NULL,"
                                        " voided_at BIGINT, voided_by TEXT, "
                                        "approved_by TEXT);"
                                        "CREATE TABLE counter_token ("
                                        " ref TEXT PRIMARY KEY, purpose BIGINT NOT NULL CHECK "
                                        "(purpose BETWEEN 1 AND 3),"
                                        " case_id BIGINT NOT NULL, resident_id BIGINT NOT NULL,"
                                        " cert_serial TEXT NOT NULL, kinds BIGINT NOT NULL CHECK "
                                        "(kinds BETWEEN 0 AND 3),"
                                        " issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
                                        " used_at BIGINT, used_case BIGINT);"
                                        "CREATE INDEX certificate_valid_by_expiry ON certificate "
                                        "(not_after) WHERE status = 0;"
                                        "CREATE TABLE service_counter (name TEXT PRIMARY KEY, "
                                        "value BIGINT NOT NULL);"
                                        "CREATE TABLE renewal_notice ("
                                        " cert_serial TEXT PRIMARY KEY, month TEXT NOT NULL, "
                                        "resident_id BIGINT NOT NULL,"
                                        " form_ref TEXT NOT NULL, sent_at BIGINT NOT NULL);",
    /* 4: a hold made final keeps its date (invalidityDate); the CRLs' covering index with it */
    "ALTER TABLE certificate ADD COLUMN invalid_at BIGINT;"
    "DROP INDEX certificate_revoked;"
    "CREATE INDEX certificate_revoked ON certificate"
    " (kind, crl_partition, revoked_at, serial, reason, not_after, status, invalid_at)"
    " WHERE status = 1;",
    /* 5: the linking service's relying parties and access log */
    "CREATE TABLE relying_party ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " key_hash BYTEA NOT NULL CHECK (length(key_hash) = 32),"
    " may_link_signature BIGINT NOT NULL CHECK (may_link_signature IN (0, 1)),"
    " created_at BIGINT NOT NULL, disabled_at BIGINT);"
    "CREATE TABLE link_access ("
    " seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, rp_id TEXT NOT NULL,"
    " action TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL);" APPEND_ONLY(
        "link_access", "the link access log is append-only"),
    /* 6: the audit log's Merkle tree */
    "CREATE TABLE audit_node ("
    " level BIGINT NOT NULL CHECK (level BETWEEN 0 AND 62),"
    " idx BIGINT NOT NULL CHECK (idx >= 0),"
    " hash BYTEA NOT NULL CHECK (length(hash) = 32), PRIMARY KEY (level, idx));" APPEND_ONLY(
        "audit_node", "the audit log is append-only"),
    /* 7: the counter's operators */
    "CREATE TABLE operator ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " role BIGINT NOT NULL CHECK (role BETWEEN 0 AND 3),"
    " password_hash TEXT NOT NULL,"
    " failures BIGINT NOT NULL CHECK (failures >= 0), locked_until BIGINT NOT NULL,"
    " created_at BIGINT NOT NULL, created_by TEXT NOT NULL,"
    " disabled_at BIGINT NOT NULL, last_login_at BIGINT NOT NULL);" REFUSE(
        "operator", "delete", "operators are disabled, never deleted")
        REFUSE_TRUNCATE("operator", "operators are disabled, never deleted"),
    /* 8: four-eyes requests and their approvals */
    "CREATE TABLE approval_request ("
    " id BIGINT PRIMARY KEY, kind BIGINT NOT NULL CHECK (kind BETWEEN 0 AND 4),"
    " requester TEXT NOT NULL, what TEXT NOT NULL,"
    " version BIGINT NOT NULL CHECK (version >= 1),"
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
    " state BIGINT NOT NULL CHECK (state BETWEEN 0 AND 3));"
    "CREATE TABLE approval ("
    " request_id BIGINT NOT NULL REFERENCES approval_request (id),"
    " version BIGINT NOT NULL, approver TEXT NOT NULL, at BIGINT NOT NULL,"
    " PRIMARY KEY (request_id, version, approver));" APPEND_ONLY(
        "approval", "approvals are never changed or deleted"),
    /* 9: the operators' FIDO2 security keys */
    "CREATE TABLE operator_credential ("
    " id BIGINT PRIMARY KEY,"
    " operator_id TEXT NOT NULL REFERENCES operator (id),"
    " credential_id BYTEA NOT NULL UNIQUE"
    "  CHECK (length(credential_id) BETWEEN 1 AND 1023),"
    " public_key BYTEA NOT NULL, alg BIGINT NOT NULL CHECK (alg IN (-7, -8)),"
    " sign_count BIGINT NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),"
    " aaguid BYTEA NOT NULL CHECK (length(aaguid) = 16),"
    " label TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL,"
    " last_used_at BIGINT NOT NULL, disabled_at BIGINT NOT NULL);"
    "CREATE INDEX operator_credential_by_operator ON operator_credential (operator_id);" REFUSE(
        "operator_credential", "delete", "security keys are disabled, never deleted")
        REFUSE_TRUNCATE("operator_credential", "security keys are disabled, never deleted"),
};
