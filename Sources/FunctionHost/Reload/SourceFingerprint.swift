import Foundation

/// The modification times and sizes of every file under some folders: taken
/// twice, the two tell which files changed, appeared or went away.
struct SourceFingerprint: Equatable {
    private var files: [String: FileStamp] = [:]

    private struct FileStamp: Equatable {
        var modified: Date
        var size: Int
    }

    /// Reads every regular file under `roots` (folders or files), skipping
    /// hidden entries and Python's `__pycache__`.
    init(roots: [String]) {
        let manager = FileManager.default
        for root in roots {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: root, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else {
                record(root)
                continue
            }
            let enumerator = manager.enumerator(
                at: URL(fileURLWithPath: root), includingPropertiesForKeys: [.isRegularFileKey],
                options: [.skipsHiddenFiles])
            while let url = enumerator?.nextObject() as? URL {
                if url.lastPathComponent == "__pycache__" {
                    enumerator?.skipDescendants()
                    continue
                }
                record(url.path)
            }
        }
    }

    private mutating func record(_ path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return }
        files[path] = FileStamp(
            modified: attributes[.modificationDate] as? Date ?? .distantPast,
            size: (attributes[.size] as? NSNumber)?.intValue ?? 0)
    }

    /// Paths that differ between `self` and `other`: changed, added or removed.
    func changes(since other: SourceFingerprint) -> Set<String> {
        var changed = Set<String>()
        for (path, stamp) in files where other.files[path] != stamp { changed.insert(path) }
        for path in other.files.keys where files[path] == nil { changed.insert(path) }
        return changed
    }
}
