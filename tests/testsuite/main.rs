//! cnbcargo's integration tests: the real binary, the real cargo, and a
//! registry on 127.0.0.1 started by each test that needs one.

#[path = "../support/mod.rs"]
mod support;

mod audit;
mod canary;
mod ci;
mod ci_install;
mod ci_options;
mod ci_preconditions;
mod ci_run;
mod conventions;
mod corpus;
mod delete;
mod doctor;
mod doctor_audit;
mod e2e;
mod faults;
mod gate;
mod hostile;
mod house;
mod init;
mod init_outside;
mod interactive;
mod lag;
mod login;
mod messages;
mod migrate;
mod migrate_hostile;
mod network;
mod paging;
mod provider;
mod publish;
mod publish_summary;
mod regops;
mod secrets;
mod stalls;
mod tokens;
mod workspace;
