//! Black-box tests: each starts the real binary and talks HTTP to it.

mod accounts;
mod backup;
mod browser;
mod catalog;
mod community;
mod concurrency;
mod conventions;
mod courses;
mod deletion;
mod deliveries;
mod events;
mod helpers;
mod lifecycle;
mod roles;
mod search;
mod settings;
mod smtp;
