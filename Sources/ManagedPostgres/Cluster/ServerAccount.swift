#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChildProcess
import Foundation

/// The operating-system account `initdb` and the server run as: the host's own
/// account, or, when the host is root (which PostgreSQL refuses), an
/// unprivileged one such as `postgres`.
struct ServerAccount: Sendable {
    /// The account to switch to, or `nil` to run as the host's own account.
    let user: ProcessUser?

    /// The account for a host with effective uid `effectiveUID`.
    static func resolve(accountName: String, effectiveUID: UInt32 = UInt32(geteuid())) throws -> ServerAccount {
        guard effectiveUID == 0 else { return ServerAccount(user: nil) }
        guard let user = ProcessUser.named(accountName), user.uid != 0 else {
            throw ManagedPostgresError.serverAccountMissing(account: accountName)
        }
        return ServerAccount(user: user)
    }

    var uid: UInt32 { user?.uid ?? UInt32(geteuid()) }
    var name: String { user?.name ?? "uid \(geteuid())" }

    /// Prepares the state directory: created when missing, private to the
    /// host, and enterable (not listable) by the server's account when that is
    /// another one.
    func prepareStateDirectory(_ path: String) throws {
        try FileSystem.createDirectory(path)
        try FileSystem.setMode(path, user == nil ? 0o700 : 0o711)
    }

    /// Throws ``ManagedPostgresError/directoryNotTraversable(directory:account:)``
    /// when the account cannot enter one of the directories above `path`.
    /// Children get only the account's primary group, so only that one counts.
    func checkCanReach(_ path: String) throws {
        guard let user else { return }
        var directory = (path as NSString).deletingLastPathComponent
        var ancestors: [String] = []
        while true {
            ancestors.append(directory)
            if directory == "/" || directory.isEmpty { break }
            directory = (directory as NSString).deletingLastPathComponent
        }
        for ancestor in ancestors.reversed() {
            guard let status = FileSystem.status(ancestor) else { continue }
            let searchable: Bool
            if status.uid == user.uid {
                searchable = status.mode & 0o100 != 0
            } else if status.gid == user.gid {
                searchable = status.mode & 0o010 != 0
            } else {
                searchable = status.mode & 0o001 != 0
            }
            if !searchable {
                throw ManagedPostgresError.directoryNotTraversable(directory: ancestor, account: user.name)
            }
        }
    }

    /// Gives `path` (recursively when asked) to the account, when it is another one.
    func takeOwnership(of path: String, recursive: Bool) throws {
        guard let user else { return }
        try FileSystem.setOwner(path, uid: user.uid, gid: user.gid, recursive: recursive)
    }

    /// Makes sure the existing data directory belongs to the account: taken
    /// over when the host is root, an error otherwise.
    func adoptDataDirectory(_ path: String) throws {
        guard let owner = FileSystem.status(path)?.uid, owner != uid else { return }
        guard user != nil else {
            throw ManagedPostgresError.dataDirectoryOwnedByOtherUser(directory: path, ownerUID: owner, serverUID: uid)
        }
        try takeOwnership(of: path, recursive: true)
    }
}
