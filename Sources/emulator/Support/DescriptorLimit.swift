import Foundation

/// The process's limit on open file descriptors.
enum DescriptorLimit {
    /// Raises the soft limit to the hard one. Every instance holds about five
    /// descriptors and every storm caller a socket, so the usual soft limit of
    /// 1024 would cap a storm at about 200 instances.
    static func raise() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}
