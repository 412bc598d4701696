"""``audit_access_log_append``: an access-log write in one statement.

The function takes a chain's advisory lock (the preferred chain if free, else the next free one,
else it waits for the preferred one — as ``_chain_lock`` did from Python), reads the chain's
head, and inserts the entries in order, each hashed with PostgreSQL's ``sha256()`` over its
canonical form: the caller sends that form cut where the chain, the position and the previous
hash go (``integra.audit.chain.canonical_parts``), so the canonical form has one definition, in
Python, and ``verify_audit`` checks the rows as before. SECURITY INVOKER: it runs with the
caller's rights (the application's role may SELECT and INSERT on the access log, nothing more),
so it grants nothing. The lock is held until the caller's transaction ends.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION audit_access_log_append(
    lock_class integer, shards integer, preferred integer, entries jsonb
) RETURNS SETOF audit_accesslog
LANGUAGE plpgsql
SECURITY INVOKER
AS $$
DECLARE
    v_chain integer;
    v_seq bigint;
    v_prev text;
    v_hash text;
    v_entry jsonb;
    v_parts text[];
    v_row audit_accesslog;
BEGIN
    FOR v_step IN 0 .. shards - 1 LOOP
        IF pg_try_advisory_xact_lock(lock_class, (preferred + v_step) % shards) THEN
            v_chain := (preferred + v_step) % shards;
            EXIT;
        END IF;
    END LOOP;
    IF v_chain IS NULL THEN
        PERFORM pg_advisory_xact_lock(lock_class, preferred);
        v_chain := preferred;
    END IF;
    SELECT a.seq, a.hash INTO v_seq, v_prev
    FROM audit_accesslog a WHERE a.shard = v_chain ORDER BY a.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        v_seq := 0;
        v_prev := repeat('0', 64);
    END IF;
    FOR v_entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
        v_seq := v_seq + 1;
        v_parts := ARRAY(SELECT jsonb_array_elements_text(v_entry -> 'parts'));
        v_hash := encode(sha256(convert_to(
            v_parts[1] || to_json(v_prev)::text || v_parts[2] || v_seq::text
            || v_parts[3] || v_chain::text || v_parts[4], 'UTF8')), 'hex');
        INSERT INTO audit_accesslog (
            shard, seq, version, at, user_id, username, membership_id, organization_id,
            client_ip, request_id, action, outcome, subject_type, subject_id, subject_label,
            subject_organization_id, person_id, detail, purpose, prev_hash, hash
        )
        SELECT v_chain, v_seq, r.version, r.at, r.user_id, r.username, r.membership_id,
               r.organization_id, r.client_ip, r.request_id, r.action, r.outcome,
               r.subject_type, r.subject_id, r.subject_label, r.subject_organization_id,
               r.person_id, r.detail, r.purpose, v_prev, v_hash
        FROM jsonb_populate_record(NULL::audit_accesslog, v_entry) r
        RETURNING * INTO v_row;
        v_prev := v_hash;
        RETURN NEXT v_row;
    END LOOP;
END
$$;
"""

DROP = "DROP FUNCTION audit_access_log_append(integer, integer, integer, jsonb);"


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0005_merge_20261204_1644"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
