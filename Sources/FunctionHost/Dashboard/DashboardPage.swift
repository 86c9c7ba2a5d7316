import NIOCore

/// The dashboard's files (`Page/`, compiled into the binary as SwiftPM
/// resources): the page, its style sheet and its script.
enum DashboardPage {
    /// A file as served: its content type and bytes.
    struct Asset: Sendable {
        let contentType: String
        let bytes: ByteBuffer
    }

    /// `index.html`, served at `/_emulator/`.
    static let page = Asset(contentType: "text/html; charset=utf-8", bytes: ByteBuffer(bytes: PackageResources.index_html))
    /// `/_emulator/dashboard.css`.
    static let style = Asset(contentType: "text/css; charset=utf-8", bytes: ByteBuffer(bytes: PackageResources.dashboard_css))
    /// `/_emulator/dashboard.js`.
    static let script = Asset(contentType: "text/javascript; charset=utf-8", bytes: ByteBuffer(bytes: PackageResources.dashboard_js))
}
