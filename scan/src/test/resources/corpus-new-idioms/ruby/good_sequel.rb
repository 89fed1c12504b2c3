require "sequel"

DB = Sequel.connect(ENV.fetch("DATABASE_URL"))

# DB.synchronize pins one connection to this thread for the whole block.
def rebuild(key)
  DB.synchronize do
    DB.run("SET lock_timeout = '5s'")
    DB.run("SELECT pg_advisory_lock(#{key.to_i})")
    begin
      refresh
    ensure
      released = DB.get(Sequel.lit("pg_advisory_unlock(#{key.to_i})"))
      raise "advisory lock #{key} was not held" unless released
    end
  end
end

def refresh; end
