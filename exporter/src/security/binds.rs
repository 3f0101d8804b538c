//! Local addresses of bound sockets, so that `listen(fd)` (which carries no
//! address) can say what it listens on. Bounded: the oldest entry goes first.

use std::collections::{HashMap, VecDeque};

use crate::util::sockaddr::SockAddr;

pub struct Binds {
    by_key: HashMap<(u32, i32), SockAddr>,
    order: VecDeque<(u32, i32)>,
    capacity: usize,
}

impl Binds {
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Binds { by_key: HashMap::new(), order: VecDeque::new(), capacity: capacity.max(1) }
    }

    /// `pid` bound descriptor `fd` to `addr`.
    pub fn bound(&mut self, pid: u32, fd: i32, addr: SockAddr) {
        if self.by_key.insert((pid, fd), addr).is_none() {
            self.order.push_back((pid, fd));
            while self.order.len() > self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.by_key.remove(&old);
                }
            }
        }
    }

    /// The address `pid`'s descriptor `fd` was bound to.
    #[must_use]
    pub fn get(&self, pid: u32, fd: i32) -> Option<&SockAddr> {
        self.by_key.get(&(pid, fd))
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_keyed_by_process_and_fd() {
        let mut b = Binds::new(2);
        b.bound(1, 3, SockAddr::Unix("/a".into()));
        b.bound(1, 4, SockAddr::Unix("/b".into()));
        b.bound(2, 3, SockAddr::Unix("/c".into()));
        assert_eq!(b.len(), 2);
        assert_eq!(b.get(1, 3), None);
        assert_eq!(b.get(1, 4), Some(&SockAddr::Unix("/b".into())));
        assert_eq!(b.get(2, 3), Some(&SockAddr::Unix("/c".into())));
    }
}
