//! Wire types shared by the kernel programs (`exporter-bpf`) and the userspace
//! exporter (`exporter`).
//!
//! Every record that crosses the BPF ring buffer starts with an
//! [`EventHeader`](event::EventHeader) followed by a kind-specific payload
//! (`events::*`). All types are `#[repr(C)]`, use no `bool` and carry no
//! implicit padding; their sizes are pinned by `const` asserts so a layout
//! change is a compile error on both sides, never a silent misread.
//!
//! The crate is `no_std`. The `user` feature adds `aya::Pod` impls so
//! userspace can read these types from maps and write them as globals.
#![no_std]

pub mod config;
pub mod event;
pub mod events;
pub mod offsets;
pub mod path_shape;
pub mod stats;
pub mod syscalls;

pub use event::{Event, EventHeader, EventKind};
