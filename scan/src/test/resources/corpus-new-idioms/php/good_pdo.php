<?php

use Illuminate\Support\Facades\DB;

function rebuild(PDO $pdo, int $key): void
{
    $pdo->exec("SET lock_timeout = '5s'");
    $pdo->exec("SELECT pg_advisory_lock(42)");
    try {
        refresh($pdo);
    } finally {
        $released = $pdo->query("SELECT pg_advisory_unlock(42)")->fetchColumn();
        if (!$released) {
            throw new RuntimeException("lock 42 was not held");
        }
    }
}

function settle(int $account): void
{
    DB::transaction(function () use ($account) {
        DB::statement("SET LOCAL lock_timeout = '5s'");
        DB::select('SELECT pg_advisory_xact_lock(?)', [$account]);
        settleRows($account);
    });
}

function refresh($pdo): void
{
}

function settleRows(int $account): void
{
}
