import HTTPTypes
import Hummingbird

/// The registered routes, for the answers the router itself cannot give:
/// a path that exists with another method is 405 with `Allow`, not 404.
struct RouteTable: Sendable {
    let routes: [APIRoute]

    /// The methods registered for templates that fit `path`, sorted.
    func allowedMethods(for path: String) -> [String] {
        Array(Set(routes.filter { $0.matches(path: path) }.map(\.method.rawValue))).sorted()
    }
}
