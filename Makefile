# eBay Alerts — the two commands of the quick start, and a few for development.
.PHONY: run test lint bench services soak compose-test

## Run the whole system with zero setup (see README); DEMO=1 adds a demo account.
run:
	@DEMO=$(DEMO) scripts/run.sh

## Run every test (starts PostgreSQL and Redis when they are not running).
test:
	@scripts/test.sh

## cargo fmt --check, clippy -D warnings (and the dashboard's linter).
lint:
	@scripts/lint.sh

## Benchmarks; figures go to BENCHMARKS.md by hand, with the machine's caveats.
bench: services
	cargo bench -p pubsub
	cargo bench -p ebay-sdk
	cargo bench -p alerts-service --bench runner_cycle
	cargo bench -p analytics-service
	bench/alerts_api.sh

services:
	@scripts/services.sh

## The system suite in full: faults, bad input, security, load (docs/system-tests.md; ~30+ min).
soak:
	@scripts/soak.sh

## docker-compose.yml and the Dockerfile run for real (podman + docker-compose, local stand-ins
## for the public images; root, Debian): build, drive end to end, restart, tear down (~25 min cold).
compose-test:
	@scripts/compose-test.sh
