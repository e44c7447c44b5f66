-- The demo's sample schema on MariaDB: a small shop with keys, foreign
-- keys, a CHECK, comments, a view and one table of every supported type.
CREATE TABLE customers (
  id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(190) NOT NULL,
  full_name VARCHAR(200) NOT NULL COMMENT 'as the customer typed it',
  country CHAR(2) NOT NULL DEFAULT 'FR',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_email (email),
  KEY idx_country (country)
) COMMENT 'people who bought something';

CREATE TABLE products (
  sku VARCHAR(32) PRIMARY KEY,
  title VARCHAR(255) NOT NULL,
  price DECIMAL(12,2) NOT NULL,
  size ENUM('S','M','L','XL') DEFAULT NULL,
  attributes JSON,
  CONSTRAINT price_positive CHECK (price >= 0)
);

CREATE TABLE orders (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  placed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  status ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  note TEXT,
  KEY idx_customer (customer_id),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
);

CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line_no SMALLINT NOT NULL,
  sku VARCHAR(32) NOT NULL,
  quantity INT NOT NULL DEFAULT 1,
  PRIMARY KEY (order_id, line_no),
  CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT fk_items_product FOREIGN KEY (sku) REFERENCES products (sku)
);

CREATE TABLE every_type (
  id INT PRIMARY KEY,
  c_tinyint TINYINT, c_smallint SMALLINT UNSIGNED, c_mediumint MEDIUMINT, c_int INT, c_bigint BIGINT UNSIGNED,
  c_decimal DECIMAL(30,10), c_float FLOAT, c_double DOUBLE, c_char CHAR(8), c_varchar VARCHAR(64), c_text MEDIUMTEXT,
  c_binary BINARY(4), c_blob BLOB, c_date DATE, c_time TIME(6), c_datetime DATETIME(6), c_timestamp TIMESTAMP(6) NULL,
  c_year YEAR, c_json JSON, c_enum ENUM('a','b'), c_set SET('x','y','z'), c_bit BIT(12), c_uuid UUID
);

CREATE VIEW paid_orders AS SELECT id, customer_id, placed_at FROM orders WHERE status = 'paid';

INSERT INTO customers (email, full_name, country, created_at)
SELECT CONCAT('customer', seq, '@example.com'), CONCAT('Customer Nº', seq, IF(seq % 7 = 0, ' 😀', '')),
       ELT(1 + seq % 4, 'FR', 'DE', 'JP', 'BR'), '2024-01-01' + INTERVAL seq MINUTE
FROM seq_1_to_20000;

INSERT INTO products SELECT CONCAT('SKU-', LPAD(seq, 5, '0')), CONCAT('Product ', seq), seq * 1.25,
       ELT(1 + seq % 5, 'S', 'M', 'L', 'XL', NULL), JSON_OBJECT('color', ELT(1 + seq % 3, 'red', 'green', 'blue'),
       'weight_g', seq % 900)
FROM seq_1_to_2000;

INSERT INTO orders (customer_id, placed_at, status, note)
SELECT 1 + seq % 20000, '2024-03-01' + INTERVAL seq SECOND, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'),
       IF(seq % 10 = 0, CONCAT('gift wrap\nline two ', seq), NULL)
FROM seq_1_to_100000;

INSERT INTO order_items SELECT o.seq, l.seq, CONCAT('SKU-', LPAD(1 + (o.seq * l.seq) % 2000, 5, '0')), 1 + l.seq
FROM seq_1_to_100000 o JOIN seq_1_to_3 l;

INSERT INTO every_type VALUES
 (1, -128, 65535, 8388607, -2147483648, 18446744073709551615, 12345678901234567890.1234567890, 1.5,
  2.718281828459045, 'char', 'Grüße, 世界 😀', REPEAT('long text ', 1000), x'DEADBEEF', x'00010203',
  '2024-02-29', '12:34:56.789012', '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.499999', 2024,
  '{"nested": {"list": [1, 2, 3]}, "ok": true}', 'b', 'x,z', b'101010101010', '123e4567-e89b-12d3-a456-426614174000'),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, x'', NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, '', NULL, NULL);
