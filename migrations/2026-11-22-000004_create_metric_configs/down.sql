DROP TABLE metric_configs;
