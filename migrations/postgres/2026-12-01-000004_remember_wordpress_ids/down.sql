DROP TABLE wordpress_imports;
