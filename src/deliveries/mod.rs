//! The durable outgoing queue: webhook events and mail, written in the
//! transaction of the change they announce ([`queue`]), sent after the
//! commit by every instance's [`dispatch::Dispatcher`], each row by one
//! instance, retried with growing delays for more than a day.

pub mod db;
pub mod dispatch;
pub mod queue;
pub mod schedule;
