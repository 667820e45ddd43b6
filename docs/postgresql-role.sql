-- The role Argus connects as: it may log in and SELECT the three tables,
-- nothing else. Run as the database's owner; replace the password.
CREATE ROLE argus LOGIN PASSWORD 'change-me';
GRANT CONNECT ON DATABASE pipeline TO argus;
GRANT USAGE ON SCHEMA public TO argus;
GRANT SELECT ON submissions, reviews, costs TO argus;
-- Belt and braces: every transaction of the role is read-only, even
-- through a connection pooler that drops Argus's own session settings.
ALTER ROLE argus SET default_transaction_read_only = on;
