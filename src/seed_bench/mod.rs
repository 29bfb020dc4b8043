//! `newsroom seed-bench`: a large, realistic database for the benchmark —
//! 100,000 articles of 2–6 KB Markdown (a fifth in Arabic), 500 categories in
//! a tree, 5,000 tags, 10,000 users, 1,000,000 votes and 50,000 collection
//! items — written in bulk transactions from a fixed seed, so every run
//! produces the same data.

mod content;
mod run;
mod tables;

pub use run::{BENCH_PASSWORD, BenchReport, BenchSizes, seed_bench};
pub(crate) use tables::bar;
