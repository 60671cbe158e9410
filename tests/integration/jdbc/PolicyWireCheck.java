// pgJDBC against the proxy's statement policy (tests/integration/test_policy_wire.py).
// Run as a single source file (Java 11+):
//   java -cp /usr/share/java/postgresql.jar PolicyWireCheck.java <mode> <jdbc-url> <user> <password> [args...]
// Modes (one line per outcome, fields separated by '|'; the driver's messages hold no '|'):
//   statements SQL...     each SQL through a Statement and then a PreparedStatement:
//                         "DENY|<kind>|<i>|SQLSTATE|message|hint|position" or "OK|<kind>|<i>",
//                         then "AFTER|<kind>|<i>|<SELECT 1 result>" on the same connection.
//   batch TABLE DENIED    Statement.executeBatch() of INSERT TABLE (1), DENIED, INSERT TABLE (3)
//                         in autocommit: "BATCH_FAIL|SQLSTATE|message|hint" or "BATCH_OK|...",
//                         then "COUNT|<rows in TABLE>" and "AFTER|batch|0|<SELECT 1 result>".
//   connect               "CONNECTED|<current_setting('search_path')>" or
//                         "CONNECT_FAIL|SQLSTATE|message|hint".
// Anything unexpected (a non-server exception) ends with "CRASH|..." and exit 1.

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

public class PolicyWireCheck {
    static String clean(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('|', '/');
    }

    static String describe(SQLException e) {
        SQLException cur = e;
        // A BatchUpdateException carries the server's error as its next exception.
        if (cur instanceof BatchUpdateException && cur.getNextException() != null) {
            cur = cur.getNextException();
        }
        if (cur instanceof PSQLException && ((PSQLException) cur).getServerErrorMessage() != null) {
            ServerErrorMessage m = ((PSQLException) cur).getServerErrorMessage();
            return clean(m.getSQLState()) + "|" + clean(m.getMessage()) + "|" + clean(m.getHint()) + "|" + m.getPosition();
        }
        return clean(cur.getSQLState()) + "|" + clean(cur.getMessage()) + "||0";
    }

    static String selectOne(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getString(1);
        }
    }

    // Load the driver, TLS and SCRAM machinery before the first connection: on a loaded
    // machine a cold JVM can otherwise spend seconds of the proxy's authentication timeout
    // inside the TLS handshake.
    static void warmUp() throws Exception {
        Class.forName("org.postgresql.Driver");
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getDefault();
        javax.net.ssl.SSLEngine engine = ctx.createSSLEngine("localhost", 5432);
        engine.setUseClientMode(true);
        engine.beginHandshake();
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(java.nio.ByteBuffer.allocate(0), out);
        javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
        javax.crypto.Mac.getInstance("HmacSHA256");
        java.security.MessageDigest.getInstance("SHA-256");
        new java.security.SecureRandom().nextBytes(new byte[32]);
    }

    // Connect; only the proxy's "authentication timed out" (a cold JVM on a loaded machine
    // missing the login deadline, not a policy outcome) is retried, and reported on stderr.
    static Connection connect(String url, Properties props) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            long start = System.nanoTime();
            try {
                Connection conn = DriverManager.getConnection(url, props);
                System.err.println("connected in " + (System.nanoTime() - start) / 1_000_000 + " ms (attempt " + attempt + ")");
                return conn;
            } catch (SQLException e) {
                boolean timedOut = e.getMessage() != null && e.getMessage().contains("authentication timed out");
                System.err.println("connect attempt " + attempt + " failed after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms: " + e.getMessage());
                if (!timedOut || attempt == 3) {
                    throw e;
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        warmUp();
        if (args.length < 4) {
            System.err.println("usage: PolicyWireCheck <mode> <jdbc-url> <user> <password> [args...]");
            System.exit(2);
        }
        String mode = args[0];
        Properties props = new Properties();
        props.setProperty("user", args[2]);
        props.setProperty("password", args[3]);
        props.setProperty("connectTimeout", "20");
        props.setProperty("socketTimeout", "60");

        if (mode.equals("connect")) {
            try (Connection conn = connect(args[1], props);
                 Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_setting('search_path')")) {
                rs.next();
                System.out.println("CONNECTED|" + clean(rs.getString(1)));
            } catch (SQLException e) {
                System.out.println("CONNECT_FAIL|" + describe(e));
            }
            return;
        }

        try (Connection conn = connect(args[1], props)) {
            conn.setAutoCommit(true);
            if (mode.equals("statements")) {
                for (int i = 4; i < args.length; i++) {
                    int n = i - 4;
                    String sql = args[i];
                    for (String kind : new String[] {"statement", "prepared"}) {
                        try {
                            if (kind.equals("statement")) {
                                try (Statement st = conn.createStatement()) {
                                    st.execute(sql);
                                }
                            } else {
                                try (PreparedStatement ps = conn.prepareStatement(sql)) {
                                    ps.execute();
                                }
                            }
                            System.out.println("OK|" + kind + "|" + n);
                        } catch (SQLException e) {
                            System.out.println("DENY|" + kind + "|" + n + "|" + describe(e));
                        }
                        System.out.println("AFTER|" + kind + "|" + n + "|" + selectOne(conn));
                    }
                }
            } else if (mode.equals("batch")) {
                String table = args[4];
                String denied = args[5];
                try (Statement st = conn.createStatement()) {
                    st.addBatch("INSERT INTO " + table + " VALUES (1)");
                    st.addBatch(denied);
                    st.addBatch("INSERT INTO " + table + " VALUES (3)");
                    int[] counts = st.executeBatch();
                    System.out.println("BATCH_OK|" + java.util.Arrays.toString(counts));
                } catch (SQLException e) {
                    System.out.println("BATCH_FAIL|" + describe(e));
                }
                try (Statement st = conn.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                    rs.next();
                    System.out.println("COUNT|" + rs.getLong(1));
                }
                System.out.println("AFTER|batch|0|" + selectOne(conn));
            } else {
                System.err.println("unknown mode " + mode);
                System.exit(2);
            }
        } catch (Exception e) {
            System.out.println("CRASH|" + clean(e.toString()));
            System.exit(1);
        }
    }
}
