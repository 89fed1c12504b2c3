require "sequel"

DB = Sequel.connect(ENV.fetch("DATABASE_URL"))

# Sequel::Database is a pool: DB.run may use another connection for the unlock.
def rebuild(key)
  DB.run("SET lock_timeout = '5s'")
  DB.run("SELECT pg_advisory_lock(#{key.to_i})") # expect: LW109
  refresh
ensure
  DB.run("SELECT pg_advisory_unlock(#{key.to_i})") # expect: LW109
end

def poll(conn)
  loop do
    leader = conn.select_value("SELECT pg_try_advisory_lock(7)") # expect: LW101, LW111
    refresh if leader
    sleep 5
  end
end

def sweep(conn)
  conn.execute("SET lock_timeout = '5s'")
  conn.execute("SELECT pg_advisory_lock(8)")
  refresh
ensure
  conn.execute("SELECT pg_advisory_unlock(8)") rescue nil # expect: LW113
end

def refresh; end
