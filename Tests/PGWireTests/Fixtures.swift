import NIOCore
import PGWire

/// A frontend message together with the context needed to decode it back.
struct FrontendCase: Sendable, CustomStringConvertible {
    var message: FrontendMessage
    var context: FrontendMessage.PasswordContext = .password
    var description: String { "\(self.message)" }
}

/// Representative values for every message kind: empty strings, NULLs, non-ASCII text,
/// binary data including NUL bytes, many elements.
enum Fixtures {
    static let binary = bytes([0x00, 0xFF, 0x10, 0x00, 0x7F])

    static let frontend: [FrontendCase] = [
        FrontendCase(message: .bind(Bind())),
        FrontendCase(
            message: .bind(
                Bind(
                    portal: "portal_1",
                    statement: "stmt_ü",
                    parameterFormats: [0, 1],
                    parameters: [bytes("42"), nil, bytes(""), binary],
                    resultFormats: [1]
                )
            )
        ),
        FrontendCase(message: .bind(Bind(parameters: Array(repeating: nil, count: 40_000)))),
        FrontendCase(message: .close(Close(kind: .statement, name: "s1"))),
        FrontendCase(message: .close(Close(kind: .portal, name: ""))),
        FrontendCase(message: .copyData(bytes("1\tvalue\n"))),
        FrontendCase(message: .copyData(ByteBuffer())),
        FrontendCase(message: .copyDone),
        FrontendCase(message: .copyFail(message: "client gave up: Ärger")),
        FrontendCase(message: .copyFail(message: "")),
        FrontendCase(message: .describe(Describe(kind: .statement, name: "日本語"))),
        FrontendCase(message: .describe(Describe(kind: .portal, name: ""))),
        FrontendCase(message: .execute(Execute())),
        FrontendCase(message: .execute(Execute(portal: "p", maxRows: 100))),
        FrontendCase(message: .execute(Execute(portal: "p", maxRows: -1))),
        FrontendCase(message: .flush),
        FrontendCase(message: .functionCall(FunctionCall(objectID: 1234))),
        FrontendCase(
            message: .functionCall(
                FunctionCall(objectID: -5, argumentFormats: [1], arguments: [binary, nil], resultFormat: 1)
            )
        ),
        FrontendCase(message: .parse(Parse(query: ""))),
        FrontendCase(
            message: .parse(Parse(name: "q1", query: "SELECT $1::int, '🐘'", parameterTypes: [23, 0, UInt32.max]))
        ),
        FrontendCase(message: .query("SELECT 1")),
        FrontendCase(message: .query("")),
        FrontendCase(message: .query("SELECT 'Grüße aus Köln', '漢字', '🐘'")),
        FrontendCase(message: .sync),
        FrontendCase(message: .terminate),
        FrontendCase(
            message: .saslInitialResponse(mechanism: "SCRAM-SHA-256", data: bytes("n,,n=,r=abc")),
            context: .saslInitial
        ),
        FrontendCase(message: .saslInitialResponse(mechanism: "SCRAM-SHA-256", data: nil), context: .saslInitial),
        FrontendCase(message: .saslInitialResponse(mechanism: "X", data: ByteBuffer()), context: .saslInitial),
        FrontendCase(message: .saslResponse(bytes("c=biws,r=abc,p=xyz")), context: .sasl),
        FrontendCase(message: .saslResponse(ByteBuffer()), context: .sasl),
        FrontendCase(message: .password("md5" + String(repeating: "a", count: 32))),
        FrontendCase(message: .password("")),
        FrontendCase(message: .password("pässwörd")),
    ]

    static let errorFields = ErrorFields.make(
        severity: "ERROR",
        sqlState: "42P01",
        message: "relation \"ß\" does not exist",
        detail: "detail",
        hint: "hint",
        position: 15
    )

    static let manyFields = RowDescription.Field(
        name: "",
        tableOID: UInt32.max,
        columnAttribute: -1,
        dataTypeOID: 25,
        dataTypeSize: -1,
        typeModifier: Int32.min,
        format: 1
    )

    static let backend: [BackendMessage] = [
        .authentication(.ok),
        .authentication(.kerberosV5),
        .authentication(.cleartextPassword),
        .authentication(.md5Password(salt: 0x0102_03FF)),
        .authentication(.gss),
        .authentication(.gssContinue(binary)),
        .authentication(.sspi),
        .authentication(.sasl(mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])),
        .authentication(.sasl(mechanisms: [])),
        .authentication(.saslContinue(bytes("r=abc,s=salt,i=4096"))),
        .authentication(.saslFinal(bytes("v=signature"))),
        .authentication(.saslFinal(ByteBuffer())),
        .backendKeyData(BackendKeyData(processID: 4242, secretKey: -123_456)),
        .bindComplete,
        .closeComplete,
        .commandComplete("SELECT 1"),
        .commandComplete(""),
        .copyData(binary),
        .copyData(ByteBuffer()),
        .copyDone,
        .copyInResponse(CopyResponse(format: 0, columnFormats: [0, 0, 0])),
        .copyOutResponse(CopyResponse(format: 1, columnFormats: [1])),
        .copyBothResponse(CopyResponse(format: 0, columnFormats: [])),
        .dataRow(DataRow(columns: [])),
        .dataRow(DataRow(columns: [bytes("1"), nil, bytes(""), bytes("Grüße 🐘"), binary])),
        .dataRow(DataRow(columns: Array(repeating: bytes("x"), count: 1600))),
        .emptyQueryResponse,
        .errorResponse(errorFields),
        .errorResponse(ErrorFields(fields: [])),
        .functionCallResponse(binary),
        .functionCallResponse(nil),
        .functionCallResponse(ByteBuffer()),
        .negotiateProtocolVersion(newestMinor: 0, unrecognizedOptions: ["_pq_.foo", "_pq_.bär"]),
        .negotiateProtocolVersion(newestMinor: 2, unrecognizedOptions: []),
        .noData,
        .noticeResponse(
            ErrorFields(fields: [
                ErrorFields.Field(code: UInt8(ascii: "S"), value: "WARNUNG"),
                ErrorFields.Field(code: UInt8(ascii: "z"), value: "unknown field kept"),
                ErrorFields.Field(code: UInt8(ascii: "M"), value: ""),
            ])
        ),
        .notificationResponse(processID: 7, channel: "jobs", payload: "{\"id\": \"ä\"}"),
        .notificationResponse(processID: -1, channel: "", payload: ""),
        .parameterDescription([]),
        .parameterDescription([23, 25, UInt32.max]),
        .parameterStatus(name: "client_encoding", value: "UTF8"),
        .parameterStatus(name: "application_name", value: ""),
        .parseComplete,
        .portalSuspended,
        .readyForQuery(.idle),
        .readyForQuery(.inTransaction),
        .readyForQuery(.failed),
        .rowDescription([]),
        .rowDescription([
            RowDescription.Field(name: "id", tableOID: 16384, columnAttribute: 1, dataTypeOID: 23, dataTypeSize: 4),
            RowDescription.Field(name: "名前", dataTypeOID: 25, dataTypeSize: -1, typeModifier: -1, format: 1),
            manyFields,
        ]),
    ]

    static let startup: [StartupPacket] = [
        .sslRequest,
        .gssEncRequest,
        .cancel(CancelRequest(processID: 1, secretKey: Int32.min)),
        .cancel(CancelRequest(processID: Int32.max, secretKey: -1)),
        .startup(StartupMessage(parameters: [])),
        .startup(
            StartupMessage(parameters: [
                StartupParameter(name: "user", value: "jürgen"),
                StartupParameter(name: "database", value: "db_日本"),
                StartupParameter(name: "application_name", value: ""),
                StartupParameter(name: "options", value: "-c search_path=a"),
                StartupParameter(name: "options", value: "-c work_mem=4MB"),
            ])
        ),
        .startup(StartupMessage(protocolMinor: 2, parameters: [StartupParameter(name: "user", value: "u")])),
    ]
}
