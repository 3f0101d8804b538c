//! Small helpers with no pipeline knowledge.

pub mod clock;
pub mod path;
pub mod sockaddr;
pub mod text;
