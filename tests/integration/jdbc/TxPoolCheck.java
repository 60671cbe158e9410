// pgJDBC through a transaction-pooled Sluice URI, many clients at once.
// Run as a single source file (Java 11+):
//   java -cp /usr/share/java/postgresql.jar TxPoolCheck.java <jdbc-url> <user> <password> <storage-table> <clients> <rounds>
// The table must exist with columns (client int, n int).
//
// Each client thread: sets its own TimeZone and application_name, then for every round runs
// a PreparedStatement (server-prepared once pgJDBC's prepareThreshold is reached, so a named
// statement that must follow the client across server connections), checks after every
// transaction that SHOW TimeZone / SHOW application_name still return its own values, and
// every third round inserts a batch of rows in an explicit transaction.
// Prints "OK client <i> ..." per client and "OK done"; on any failure prints
// "FAIL client <i>: <SQLState> <message>" and exits 1.

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

public class TxPoolCheck {
    static final int BATCH = 5;

    static String timeZone(int i) {
        return (i % 2 == 0 ? "Etc/GMT-" : "Etc/GMT+") + (i / 2 + 1);
    }

    static String show(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void check(boolean ok) {
        if (!ok) {
            System.out.println("FAIL warm-up: isValid returned false");
            System.exit(1);
        }
    }

    static void expect(boolean ok, String what) {
        if (!ok) throw new IllegalStateException(what);
    }

    static String runClient(String url, Properties props, String table, int i, int rounds) throws Exception {
        String tz = timeZone(i);
        String app = "jdbc-" + i;
        try (Connection c = DriverManager.getConnection(url, props)) {
            try (Statement st = c.createStatement()) {
                st.execute("SET TimeZone = '" + tz + "'");
                st.execute("SET application_name = '" + app + "'");
            }
            int inserted = 0;
            boolean serverPrepared;
            try (PreparedStatement q = c.prepareStatement(
                     "SELECT ?::int * 2, current_setting('TimeZone'), current_setting('application_name'), count(*) FROM dl_resolved.people");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO " + table + " (client, n) VALUES (?, ?)")) {
                for (int r = 0; r < rounds; r++) {
                    q.setInt(1, r);
                    try (ResultSet rs = q.executeQuery()) {
                        expect(rs.next(), "round " + r + ": no row");
                        expect(rs.getInt(1) == 2 * r, "round " + r + ": got " + rs.getInt(1));
                        expect(tz.equals(rs.getString(2)), "round " + r + ": current_setting(TimeZone) = " + rs.getString(2) + ", want " + tz);
                        expect(app.equals(rs.getString(3)), "round " + r + ": current_setting(application_name) = " + rs.getString(3) + ", want " + app);
                        expect(rs.getLong(4) >= 200, "round " + r + ": people has " + rs.getLong(4));
                    }
                    if (r == rounds / 2) {
                        // A connection opened mid-run, as an application's pool would: its startup
                        // parameters (TimeZone, DateStyle, ...) are applied on a server connection
                        // that other clients' transactions then use.
                        try (Connection extra = DriverManager.getConnection(url, props)) {
                            expect(extra.isValid(10), "round " + r + ": extra connection not valid");
                        }
                    }
                    String shownTz = show(c, "TimeZone");
                    expect(tz.equals(shownTz), "round " + r + ": SHOW TimeZone = " + shownTz + ", want " + tz);
                    String shownApp = show(c, "application_name");
                    expect(app.equals(shownApp), "round " + r + ": SHOW application_name = " + shownApp + ", want " + app);
                    if (r % 3 == 0) {
                        c.setAutoCommit(false);
                        for (int b = 0; b < BATCH; b++) {
                            ins.setInt(1, i);
                            ins.setInt(2, r * 100 + b);
                            ins.addBatch();
                        }
                        int[] counts = ins.executeBatch();
                        expect(counts.length == BATCH, "round " + r + ": batch returned " + counts.length + " counts");
                        for (int n : counts) expect(n == 1 || n == Statement.SUCCESS_NO_INFO, "round " + r + ": batch count " + n);
                        // Still inside the transaction: the settings hold here too.
                        expect(app.equals(show(c, "application_name")), "round " + r + ": application_name in the batch's transaction");
                        c.commit();
                        c.setAutoCommit(true);
                        inserted += BATCH;
                    }
                }
                serverPrepared = q.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare();
            }
            expect(serverPrepared, "the query was not server-prepared after " + rounds + " executions");
            try (PreparedStatement cnt = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE client = ?")) {
                cnt.setInt(1, i);
                try (ResultSet rs = cnt.executeQuery()) {
                    rs.next();
                    expect(rs.getInt(1) == inserted, "client has " + rs.getInt(1) + " rows, inserted " + inserted);
                }
            }
            return "OK client " + i + " rounds=" + rounds + " inserted=" + inserted + " server-prepared";
        }
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        while (t != null) {
            if (sb.length() > 0) sb.append(" <- ");
            if (t instanceof SQLException) {
                SQLException e = (SQLException) t;
                sb.append(e.getSQLState()).append(' ');
                if (e instanceof BatchUpdateException && e.getNextException() != null) {
                    sb.append(e.getMessage()).append(" [next: ").append(e.getNextException().getSQLState())
                      .append(' ').append(e.getNextException().getMessage()).append(']');
                    t = t.getCause();
                    continue;
                }
            }
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            t = t.getCause();
        }
        return sb.toString().replace('\n', ' ');
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: TxPoolCheck <jdbc-url> <user> <password> <table> <clients> <rounds>");
            System.exit(2);
        }
        String url = args[0];
        Properties props = new Properties();
        props.setProperty("user", args[1]);
        props.setProperty("password", args[2]);
        props.setProperty("connectTimeout", "30");
        props.setProperty("socketTimeout", "60");
        String table = args[3];
        int clients = Integer.parseInt(args[4]);
        int rounds = Integer.parseInt(args[5]);

        // Warm the JVM up (TLS, SCRAM, the driver's classes) on one connection first: 20 cold
        // handshakes at once on a small machine can outlast the proxy's authentication timeout.
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url, props)) {
            check(c.isValid(10));
        }
        System.out.println("OK warm-up connection in " + (System.nanoTime() - t0) / 1_000_000 + " ms");

        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            final int n = i;
            results.add(pool.submit(() -> {
                try {
                    return runClient(url, props, table, n, rounds);
                } catch (Throwable t) {
                    return "FAIL client " + n + ": " + describe(t);
                }
            }));
        }
        boolean failed = false;
        for (Future<String> f : results) {
            String line = f.get(240, TimeUnit.SECONDS);
            System.out.println(line);
            if (line.startsWith("FAIL")) failed = true;
        }
        pool.shutdown();
        if (failed) System.exit(1);
        System.out.println("OK done");
    }
}
