package io.lockwarden.scan.internal;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.MethodCallExpr;
import java.util.ArrayList;
import java.util.List;

/**
 * One advisory lock function call found in Java SQL.
 *
 * @param carrier the method call that receives the SQL
 * @param sqlArg  the argument holding the SQL
 * @param call    the lock call in the SQL text
 * @param sql     the evaluated SQL text
 * @param scope   the method, constructor, initializer or type the call is in
 * @param keys    the key arguments as bound (null where unknown)
 */
record JavaLockSite(MethodCallExpr carrier, Expression sqlArg, SqlLockCall call, String sql, Node scope,
                    List<String> keys) {
    LockFunction fn() {
        return call.function();
    }

    boolean keysKnown() {
        return keys.stream().allMatch(k -> k != null);
    }

    String keyText() {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            shown.add(keys.get(i) == null ? call.args().get(i) : keys.get(i));
        }
        return String.join(", ", shown);
    }
}
