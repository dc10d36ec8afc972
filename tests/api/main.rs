//! Black-box tests: each starts the real binary and talks HTTP to it.

mod accounts;
mod backup;
mod concurrency;
mod conventions;
mod helpers;
mod lifecycle;
mod roles;
