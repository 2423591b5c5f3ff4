-- Up Migration
-- The price filter in the listing's currency (issue #14): `currency` joins the ranking projection so
-- a currency filter is applied with the other candidate filters (before the page is cut), and the
-- triggers copy it.
ALTER TABLE search_rank ADD COLUMN currency char(3) NOT NULL DEFAULT 'USD';
UPDATE search_rank r SET currency = d.currency FROM search_documents d WHERE d.id = r.id AND d.currency <> r.currency;

CREATE OR REPLACE FUNCTION search_rank_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_rank (id, city_code, role, price_min_cents, price_max_cents, currency, latitude, longitude, verified,
                           instant_book, quality, nsfw_band, published_at, tsv)
  SELECT id, coalesce(city_code, ''), role, price_min_cents, price_max_cents, currency, latitude, longitude, verified,
         instant_book, quality, nsfw_band, published_at, tsv
    FROM added ORDER BY city_code, id;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_rank_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_rank r USING before b WHERE r.city_code = coalesce(b.city_code, '') AND r.id = b.id;
  INSERT INTO search_rank (id, city_code, role, price_min_cents, price_max_cents, currency, latitude, longitude, verified,
                           instant_book, quality, nsfw_band, published_at, tsv)
  SELECT id, coalesce(city_code, ''), role, price_min_cents, price_max_cents, currency, latitude, longitude, verified,
         instant_book, quality, nsfw_band, published_at, tsv
    FROM after ORDER BY city_code, id;
  RETURN NULL;
END
$$;

-- Down Migration
CREATE OR REPLACE FUNCTION search_rank_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_rank (id, city_code, role, price_min_cents, price_max_cents, latitude, longitude, verified,
                           instant_book, quality, nsfw_band, published_at, tsv)
  SELECT id, coalesce(city_code, ''), role, price_min_cents, price_max_cents, latitude, longitude, verified,
         instant_book, quality, nsfw_band, published_at, tsv
    FROM added ORDER BY city_code, id;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_rank_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_rank r USING before b WHERE r.city_code = coalesce(b.city_code, '') AND r.id = b.id;
  INSERT INTO search_rank (id, city_code, role, price_min_cents, price_max_cents, latitude, longitude, verified,
                           instant_book, quality, nsfw_band, published_at, tsv)
  SELECT id, coalesce(city_code, ''), role, price_min_cents, price_max_cents, latitude, longitude, verified,
         instant_book, quality, nsfw_band, published_at, tsv
    FROM after ORDER BY city_code, id;
  RETURN NULL;
END
$$;
ALTER TABLE search_rank DROP COLUMN currency;
