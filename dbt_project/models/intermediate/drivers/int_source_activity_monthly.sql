{#- Customer effort per source id × month, before any customer mapping: completed CRM
    visits (appointments) and phone calls per account by month started, service-desk
    tickets per organisation by month created. An activity without an account or a
    ticket without an organisation keeps a NULL source_id (the unassigned customer once
    mapped). Incremental by whole months: a month only depends on its own activities and
    tickets. -#}
with

activities as (

    select * from {{ ref('stg_crm__activities') }}
    where {{ rebuild_months_filter('started_at') }}

),

tickets as (

    select * from {{ ref('stg_servicedesk__tickets') }}
    where {{ rebuild_months_filter('created_at') }}

),

completed_activities as (

    select
        account_id                                                  as source_id,
        cast(date_trunc('month', started_at) as date)               as period_month,
        activity_type,
        coalesce(duration_minutes, 0)                               as duration_minutes
    from activities
    where activity_state = 'completed'
        and activity_type in ('appointment', 'phonecall')
        and started_at is not null

),

activity_monthly as (

    select
        'crm'                                                                       as system,
        source_id,
        period_month,
        count(*) filter (where activity_type = 'appointment')                       as visit_count,
        coalesce(sum(duration_minutes) filter (where activity_type = 'appointment'), 0) as visit_minutes,
        count(*) filter (where activity_type = 'phonecall')                         as call_count,
        coalesce(sum(duration_minutes) filter (where activity_type = 'phonecall'), 0)   as call_minutes,
        0                                                                           as ticket_count,
        0                                                                           as ticket_minutes,
        0                                                                           as tickets_rated,
        0                                                                           as tickets_good
    from completed_activities
    group by source_id, period_month

),

ticket_monthly as (

    select
        'servicedesk'                                                   as system,
        organization_id                                                 as source_id,
        cast(date_trunc('month', created_at) as date)                   as period_month,
        0                                                               as visit_count,
        0                                                               as visit_minutes,
        0                                                               as call_count,
        0                                                               as call_minutes,
        count(*)                                                        as ticket_count,
        sum(coalesce(time_spent_minutes, 0))                            as ticket_minutes,
        count(*) filter (where satisfaction_rating in ('good', 'bad'))  as tickets_rated,
        count(*) filter (where satisfaction_rating = 'good')            as tickets_good
    from tickets
    where created_at is not null
    group by organization_id, cast(date_trunc('month', created_at) as date)

),

unioned as (

    select * from activity_monthly
    union all
    select * from ticket_monthly

),

final as (

    select
        cast(system as varchar)             as system,
        cast(source_id as varchar)          as source_id,
        cast(period_month as date)          as period_month,
        cast(visit_count as bigint)         as visit_count,
        cast(visit_minutes as bigint)       as visit_minutes,
        cast(call_count as bigint)          as call_count,
        cast(call_minutes as bigint)        as call_minutes,
        cast(ticket_count as bigint)        as ticket_count,
        cast(ticket_minutes as bigint)      as ticket_minutes,
        cast(tickets_rated as bigint)       as tickets_rated,
        cast(tickets_good as bigint)        as tickets_good
    from unioned

)

select * from final
