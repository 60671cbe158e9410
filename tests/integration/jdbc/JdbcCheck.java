// pgJDBC through the Sluice proxy. Run as a single source file (Java 11+):
//   java -cp /usr/share/java/postgresql.jar JdbcCheck.java <jdbc-url> <user> <password>
// Prints one "OK <check> ..." line per passed check; on the first failure prints
// "FAIL <check>: <why>" and exits 1.

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

public class JdbcCheck {
    static void check(boolean ok, String name, String detail) {
        if (!ok) {
            System.out.println("FAIL " + name + ": " + detail);
            System.exit(1);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: JdbcCheck <jdbc-url> <user> <password>");
            System.exit(2);
        }
        Properties props = new Properties();
        props.setProperty("user", args[1]);
        props.setProperty("password", args[2]);
        props.setProperty("connectTimeout", "20");
        props.setProperty("socketTimeout", "60");

        try (Connection conn = DriverManager.getConnection(args[0], props)) {
            System.out.println("OK connect " + conn.getMetaData().getDatabaseProductVersion());

            // 1. Catalog metadata, as BI tools read it.
            DatabaseMetaData md = conn.getMetaData();
            Set<String> tables = new TreeSet<>();
            try (ResultSet rs = md.getTables(null, "dl_resolved", "%", null)) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_NAME"));
                }
            }
            check(tables.contains("people") && tables.contains("companies"), "getTables", "dl_resolved has " + tables);
            System.out.println("OK getTables " + String.join(",", tables));

            Set<String> columns = new TreeSet<>();
            try (ResultSet rs = md.getColumns(null, "dl_resolved", "people", "%")) {
                while (rs.next()) {
                    columns.add(rs.getString("COLUMN_NAME"));
                }
            }
            check(columns.contains("identity_key") && columns.contains("display_name"), "getColumns", "people has " + columns);
            System.out.println("OK getColumns " + columns.size());

            // 2. Reference rows.
            List<String[]> reference = new ArrayList<>();
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery(
                     "SELECT identity_key, display_name FROM dl_resolved.people ORDER BY identity_key LIMIT 10")) {
                while (rs.next()) {
                    reference.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            check(reference.size() == 10, "reference", "got " + reference.size() + " rows");
            long total;
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM dl_resolved.people")) {
                rs.next();
                total = rs.getLong(1);
            }
            check(total >= 200, "count", "people has " + total + " rows");
            System.out.println("OK count " + total);

            // 3. One PreparedStatement executed 10 times: with prepareThreshold=5 (the
            //    default) pgJDBC switches to a named server-side statement after 5 uses.
            try (PreparedStatement ps = conn.prepareStatement(
                     "SELECT identity_key, display_name FROM dl_resolved.people WHERE identity_key = ?")) {
                for (int i = 0; i < 10; i++) {
                    ps.setString(1, reference.get(i)[0]);
                    try (ResultSet rs = ps.executeQuery()) {
                        check(rs.next(), "prepared", "execution " + (i + 1) + " returned no row");
                        check(reference.get(i)[0].equals(rs.getString(1)) && reference.get(i)[1].equals(rs.getString(2)),
                              "prepared", "execution " + (i + 1) + " returned " + rs.getString(1) + "/" + rs.getString(2));
                        check(!rs.next(), "prepared", "execution " + (i + 1) + " returned more than one row");
                    }
                }
                boolean serverPrepared = ps.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare();
                check(serverPrepared, "prepared", "statement was not server-prepared after 10 executions");
            }
            System.out.println("OK prepared 10 executions, server-prepared");

            // 4. Typed parameters, in an explicit transaction.
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement("SELECT ?::int + ?::int, ?::text || '!'")) {
                for (int i = 0; i < 7; i++) {
                    ps.setInt(1, i);
                    ps.setInt(2, 40);
                    ps.setString(3, "Zoë" + i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        check(rs.getInt(1) == i + 40 && rs.getString(2).equals("Zoë" + i + "!"), "typed", "row " + i);
                    }
                }
            }
            conn.commit();
            conn.setAutoCommit(true);
            System.out.println("OK typed parameters in a transaction");

            // 5. isValid() sends an empty query.
            check(conn.isValid(10), "isValid", "returned false");
            System.out.println("OK isValid");
        }
        System.out.println("OK done");
    }
}
