package corpus.bad;

import jakarta.persistence.EntityManager;

public class JpaTextBlockLock {
    private static final String LOCK_SQL = """
            SELECT pg_advisory_lock(:id)
            """;

    void reindex(EntityManager em, long id) {
        em.createNativeQuery(LOCK_SQL).setParameter("id", id).getSingleResult(); // expect: LW101, LW104
        rebuild(em, id);
    }

    private void rebuild(EntityManager em, long id) {
    }
}
