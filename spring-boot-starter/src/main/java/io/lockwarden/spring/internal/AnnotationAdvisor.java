package io.lockwarden.spring.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.aopalliance.aop.Advice;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Applies an interceptor to methods carrying an annotation that passes a filter (e.g. one
 * {@code @AdvisoryLock} scope), at an order computed when advisors are sorted. Thread-safe.
 *
 * @param <A> the annotation
 */
public final class AnnotationAdvisor<A extends Annotation> extends AbstractPointcutAdvisor {
    private static final long serialVersionUID = 1L;

    private final transient Advice advice;
    private final transient Pointcut pointcut;
    private final transient IntSupplier order;

    /**
     * @param type   the annotation
     * @param filter which annotated methods to intercept
     * @param advice the interceptor
     * @param order  the order relative to other advisors (lower runs outside)
     */
    public AnnotationAdvisor(Class<A> type, Predicate<A> filter, Advice advice, IntSupplier order) {
        this.advice = advice;
        this.order = order;
        this.pointcut = new StaticMethodMatcherPointcut() {
            @Override
            public boolean matches(Method method, Class<?> targetClass) {
                A annotation = find(method, targetClass, type);
                return annotation != null && filter.test(annotation);
            }
        };
    }

    /** The annotation on the method as implemented by {@code targetClass}, or on the method itself. */
    public static <T extends Annotation> T find(Method method, Class<?> targetClass, Class<T> type) {
        Method specific = targetClass == null ? method : AopUtils.getMostSpecificMethod(method, targetClass);
        T found = AnnotatedElementUtils.findMergedAnnotation(specific, type);
        return found != null ? found : AnnotatedElementUtils.findMergedAnnotation(method, type);
    }

    @Override
    public Pointcut getPointcut() {
        return pointcut;
    }

    @Override
    public Advice getAdvice() {
        return advice;
    }

    @Override
    public int getOrder() {
        return order.getAsInt();
    }

    @Override
    public boolean equals(Object other) {
        return this == other;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
