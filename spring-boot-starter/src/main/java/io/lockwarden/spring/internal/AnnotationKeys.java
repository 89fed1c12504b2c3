package io.lockwarden.spring.internal;

import io.lockwarden.LockKey;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * Turns an annotation's namespace and SpEL key expression into a {@link LockKey} for one call.
 * Parameters are visible by name ({@code #sku}: needs {@code -parameters}, as Spring Boot builds set)
 * and by position ({@code #p0}, {@code #a0}). Parsed expressions are cached. Thread-safe.
 */
public final class AnnotationKeys {
    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final ParameterNameDiscoverer names = new DefaultParameterNameDiscoverer();
    private final Map<String, Expression> expressions = new ConcurrentHashMap<>();
    private final Supplier<String> defaultNamespace;

    /** Keys whose annotation names no namespace go to {@code defaultNamespace} (read at each call). */
    public AnnotationKeys(Supplier<String> defaultNamespace) {
        this.defaultNamespace = defaultNamespace;
    }

    /** The namespace to use: the annotation's, or the default. */
    public String namespace(String annotated) {
        return annotated.isEmpty() ? defaultNamespace.get() : annotated;
    }

    /**
     * The key of one call.
     *
     * @param expression the SpEL key; empty means the method itself
     * @throws IllegalArgumentException when the expression does not parse, fails or yields null
     */
    public LockKey resolve(String namespace, String expression, Method method, Object[] args, Object target) {
        String ns = namespace(namespace);
        if (expression.isEmpty()) {
            return LockKey.named(ns, methodName(method));
        }
        Object value;
        try {
            Expression parsed = expressions.computeIfAbsent(expression, parser::parseExpression);
            value = parsed.getValue(new MethodBasedEvaluationContext(target, method, args, names));
        } catch (ExpressionException e) {
            throw new IllegalArgumentException("@AdvisoryLock key '" + expression + "' on " + methodName(method)
                    + " cannot be evaluated: " + e.getMessage() + ". Fix: name a parameter (#sku, #order.id, or #p0 "
                    + "by position; names need the -parameters compiler flag)", e);
        }
        if (value == null) {
            throw new IllegalArgumentException("@AdvisoryLock key '" + expression + "' on " + methodName(method)
                    + " evaluated to null: nothing to lock. Fix: pass a non-null value, or give the key a default "
                    + "(e.g. #sku ?: 'none')");
        }
        return LockKey.named(ns, value.toString());
    }

    /**
     * An annotation's wait ({@code 5s}, {@code 500ms}, {@code PT5S}).
     *
     * @throws IllegalArgumentException when it is not a positive duration
     */
    public static Duration wait(String text, String where, String annotation) {
        try {
            Duration wait = DurationStyle.detectAndParse(text);
            if (!wait.isNegative() && !wait.isZero()) {
                return wait;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IllegalArgumentException(annotation + " wait '" + text + "' on " + where
                + " is not a positive duration: write e.g. waitFor = \"5s\" or \"500ms\" (ISO-8601 PT5S also works)");
    }

    /** {@code SimpleClassName.method}. */
    public static String methodName(Method method) {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName();
    }
}
