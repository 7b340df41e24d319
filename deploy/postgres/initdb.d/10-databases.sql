-- One database per service (DESIGN §3): alerts-service's OLTP schema and analytics-service's
-- star schema. The official postgres image runs the files in /docker-entrypoint-initdb.d once,
-- as POSTGRES_USER, when the data volume is empty; that role therefore owns both databases and
-- the services' migrations (run by `serve` and `migrate`) create the tables in them.
--
-- Changing this file has no effect on an initialised volume: create a missing database with
--   docker compose exec postgres createdb -U "$POSTGRES_USER" NAME
CREATE DATABASE alerts;
CREATE DATABASE analytics;
