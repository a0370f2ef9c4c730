-- Companion on a shared PostgreSQL server: each profile's rows are private to its own role.
--
-- `companion db init-postgres` runs this file (after bringing the schema up to date) as the
-- owner of Companion's tables, a role that may create roles. It is idempotent: run it again
-- after an upgrade. To run it by hand instead: create the tables first (open Companion
-- once with the owner's URL, or `companion db init-postgres`), then
--     psql "postgresql://OWNER@HOST/DATABASE" -f postgres_profiles.sql
-- in the schema that holds the tables (the first one in the owner's search_path).
--
-- Two group roles (NOLOGIN): members of companion_profile are people, each with a row in
-- `profiles` naming their role (db_role); members of companion_clinician are clinicians.
-- Row-level security then lets a profile's role select, insert, update and delete only its
-- own rows (sessions and screenings by their profile_id; sets, check-ins, red flags, events
-- and confirmations through their session), and a clinician's role select (never write) the
-- rows of the profiles that granted it access in `profile_grants`. The owner is not bound
-- by these policies (it administers the database); no other role has any right here.

DO $$
BEGIN
    BEGIN
        CREATE ROLE companion_profile NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE companion_clinician NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO companion_profile, companion_clinician',
                   current_schema());
END
$$;

-- Table rights: people read and write their data; clinicians only read.
GRANT SELECT ON alembic_version TO companion_profile, companion_clinician;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON sessions, sets, checkins, red_flags, session_events, screenings, red_flag_acks
    TO companion_profile;
GRANT SELECT
    ON sessions, sets, checkins, red_flags, session_events, screenings, red_flag_acks
    TO companion_clinician;
-- A person may read their profile (with its PIN hash) and change its name and PIN;
-- a clinician may read the names of the profiles that granted it access, never a PIN hash.
GRANT SELECT (id, key, name, folder, created_at, pin_hash, db_role) ON profiles
    TO companion_profile;
GRANT UPDATE (name, pin_hash) ON profiles TO companion_profile;
GRANT SELECT (id, key, name, folder, created_at, db_role) ON profiles TO companion_clinician;
-- A person grants and withdraws a clinician's access; a clinician sees its own grants.
GRANT SELECT, INSERT, DELETE ON profile_grants TO companion_profile;
GRANT SELECT ON profile_grants TO companion_clinician;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sessions', 'sets', 'checkins', 'red_flags', 'session_events',
                             'screenings', 'red_flag_acks', 'profile_grants'] LOOP
        EXECUTE format('GRANT USAGE ON SEQUENCE %s TO companion_profile',
                       pg_get_serial_sequence(t, 'id'));
    END LOOP;
END
$$;

-- Row-level security: on for every table that holds a person's data.
ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE profile_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE screenings ENABLE ROW LEVEL SECURITY;
ALTER TABLE sets ENABLE ROW LEVEL SECURITY;
ALTER TABLE checkins ENABLE ROW LEVEL SECURITY;
ALTER TABLE red_flags ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE red_flag_acks ENABLE ROW LEVEL SECURITY;

-- profiles: a person sees their own row; a clinician the rows that granted it access.
DROP POLICY IF EXISTS companion_own ON profiles;
CREATE POLICY companion_own ON profiles TO companion_profile
    USING (db_role = current_user) WITH CHECK (db_role = current_user);
DROP POLICY IF EXISTS companion_granted ON profiles;
CREATE POLICY companion_granted ON profiles FOR SELECT TO companion_clinician
    USING (id IN (SELECT g.profile_id FROM profile_grants g
                  WHERE g.clinician_role = current_user));

-- profile_grants: a person manages their own grants; a clinician sees those naming it.
DROP POLICY IF EXISTS companion_own ON profile_grants;
CREATE POLICY companion_own ON profile_grants TO companion_profile
    USING (profile_id = (SELECT p.id FROM profiles p WHERE p.db_role = current_user))
    WITH CHECK (profile_id = (SELECT p.id FROM profiles p WHERE p.db_role = current_user));
DROP POLICY IF EXISTS companion_granted ON profile_grants;
CREATE POLICY companion_granted ON profile_grants FOR SELECT TO companion_clinician
    USING (clinician_role = current_user);

-- sessions and screenings: by their profile_id.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sessions', 'screenings'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS companion_own ON %I', t);
        EXECUTE format(
            'CREATE POLICY companion_own ON %I TO companion_profile '
            'USING (profile_id = (SELECT p.id FROM profiles p WHERE p.db_role = current_user)) '
            'WITH CHECK (profile_id = (SELECT p.id FROM profiles p '
            'WHERE p.db_role = current_user))', t);
        EXECUTE format('DROP POLICY IF EXISTS companion_granted ON %I', t);
        EXECUTE format(
            'CREATE POLICY companion_granted ON %I FOR SELECT TO companion_clinician '
            'USING (profile_id IN (SELECT g.profile_id FROM profile_grants g '
            'WHERE g.clinician_role = current_user))', t);
    END LOOP;
END
$$;

-- A session's sets, check-ins, red flags, events and confirmations: visible (and, for the
-- person, writable) exactly when their session is (the sessions policies above decide).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sets', 'checkins', 'red_flags', 'session_events',
                             'red_flag_acks'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS companion_via_session ON %I', t);
        EXECUTE format(
            'CREATE POLICY companion_via_session ON %I '
            'TO companion_profile, companion_clinician '
            'USING (EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_id)) '
            'WITH CHECK (EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_id))', t);
    END LOOP;
END
$$;
