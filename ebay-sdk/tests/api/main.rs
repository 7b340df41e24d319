//! Integration tests of the SDK, one test binary: against the real `ebay-mock` over HTTP,
//! against Redis for the shared token, and against wiremock for responses the mock never sends.

mod against_mock;
mod helpers;
mod odd_responses;
mod shared_cache;
