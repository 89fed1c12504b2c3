package io.lockwarden.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/** The test application: auto-configuration (DataSource, transactions, Actuator, Lockwarden) and one service. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class InventoryApplication {
    /** The service under test. */
    @Bean
    InventoryService inventoryService(JdbcTemplate jdbc) {
        return new InventoryService(jdbc);
    }
}
