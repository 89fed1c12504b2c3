<?php

use Illuminate\Support\Facades\DB;

// PDO: the lock is released only when nothing throws, and the unlock result is thrown away.
function rebuild(PDO $pdo, int $key): void
{
    $pdo->exec("SELECT pg_advisory_lock(42)"); // expect: LW101, LW104
    refresh($pdo);
    $pdo->exec("SELECT pg_advisory_unlock(42)"); // expect: LW105
}

// Laravel: the try-lock result is never looked at.
function claim(int $id): void
{
    DB::select('SELECT pg_try_advisory_lock(?)', [$id]); // expect: LW101, LW110
    refresh(null);
}

function refresh($pdo): void
{
}
