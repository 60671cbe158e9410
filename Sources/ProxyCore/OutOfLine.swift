/// Keeps an optional value that is usually absent out of line: the property
/// takes 8 bytes in its owner instead of the value's size. For state every
/// client connection carries but an idle one never fills (10,000 idle clients
/// must each cost under 4 KiB); setting it allocates, reading does not.
/// The box is immutable, so copies of the owner still never share a change.
@propertyWrapper
struct OutOfLine<Value: Sendable>: Sendable {
    private final class Box: Sendable {
        let value: Value

        init(_ value: Value) {
            self.value = value
        }
    }

    private var box: Box?

    init(wrappedValue: Value?) {
        box = wrappedValue.map(Box.init)
    }

    var wrappedValue: Value? {
        get { box?.value }
        set { box = newValue.map(Box.init) }
    }
}
