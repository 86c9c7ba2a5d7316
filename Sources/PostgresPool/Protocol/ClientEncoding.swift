/// PostgreSQL's names for client encodings. PostgreSQL accepts a name in any case, with or
/// without `-`/`_` (`utf-8`, `euc_jp`), and some aliases, and reports its own spelling
/// (`UTF8`, `EUC_JP`) in ParameterStatus; the pool reports the same at login.
enum ClientEncoding {
    /// The encodings PostgreSQL supports as client encodings.
    static let names = [
        "SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004", "UTF8", "MULE_INTERNAL",
        "LATIN1", "LATIN2", "LATIN3", "LATIN4", "LATIN5", "LATIN6", "LATIN7", "LATIN8", "LATIN9", "LATIN10",
        "WIN1256", "WIN1258", "WIN866", "WIN874", "KOI8R", "WIN1251", "WIN1252",
        "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8",
        "WIN1250", "WIN1253", "WIN1254", "WIN1255", "WIN1257", "KOI8U",
        "SJIS", "BIG5", "GBK", "UHC", "GB18030", "JOHAB", "SHIFT_JIS_2004",
    ]

    /// Other names PostgreSQL accepts, in the form `key(_:)` gives them.
    static let aliases: [String: String] = [
        "unicode": "UTF8", "koi8": "KOI8R", "win": "WIN1251", "alt": "WIN866",
        "mskanji": "SJIS", "shiftjis": "SJIS", "tcvn": "WIN1258", "tcvn5712": "WIN1258", "vscii": "WIN1258",
        "iso88591": "LATIN1", "iso88592": "LATIN2", "iso88593": "LATIN3", "iso88594": "LATIN4",
        "iso88599": "LATIN5", "iso885910": "LATIN6", "iso885913": "LATIN7", "iso885914": "LATIN8",
        "iso885915": "LATIN9", "iso885916": "LATIN10",
        "windows866": "WIN866", "windows874": "WIN874", "windows1250": "WIN1250", "windows1251": "WIN1251",
        "windows1252": "WIN1252", "windows1253": "WIN1253", "windows1254": "WIN1254", "windows1255": "WIN1255",
        "windows1256": "WIN1256", "windows1257": "WIN1257", "windows1258": "WIN1258",
    ]

    private static let byKey: [String: String] = {
        var table = aliases
        for name in names { table[key(name)] = name }
        return table
    }()

    /// A name with everything but letters and digits dropped, in lower case.
    static func key(_ name: String) -> String {
        String(name.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    /// PostgreSQL's spelling of `name`, or nil if it is not one PostgreSQL knows (the
    /// database then refuses it at login).
    static func canonical(_ name: String) -> String? {
        byKey[key(name)]
    }
}
